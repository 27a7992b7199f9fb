"""Logs, crash reports and the biomed's report bundle: what a biomed needs to see why something went wrong."""
