"""The benchmark (bench/run.py); a package so the smoke test can import it."""
