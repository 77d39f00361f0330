"""Reading an HTML page as a browser shows it (lgc sweep's index.html): its table and plots."""

import html.parser


class Dom(html.parser.HTMLParser):
    """The rendered page: the table's rows of cell texts, the plots' circles."""

    def __init__(self):
        super().__init__()
        self.rows, self.cell, self.circles, self.plots = [], None, 0, 0

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = ""
        elif tag == "circle":
            self.circles += 1
        elif tag == "svg" and ("class", "plot") in attrs:
            self.plots += 1

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[-1].append(self.cell)
            self.cell = None
