"""What tests and bench/ share: the fixtures (fixtures.py), running the CLI (cli.py), netlists made
at random or by hand (netlists.py, hand_netlists.py), model files as the training libraries save
them, random (models.py) or with chosen defects (torchfiles.py), and a hand-written stand-in core
(standin_core.py). bench/ scripts run from the checkout's root (`python -m bench.NAME`) import it
as `tests.support`."""
