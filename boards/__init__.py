"""Board descriptions (one TOML file per board), shipped in the wheel as lgc.boards."""
