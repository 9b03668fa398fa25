"""Pure NumPy/SciPy models: arrays and small frozen dataclasses in, the same out. No I/O."""
