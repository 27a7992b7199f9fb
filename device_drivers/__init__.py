"""Device drivers: sans-I/O protocol codecs, the serial transport, and device simulators.

Nothing in this package imports Qt or `console`: a codec is fed bytes and the time, and returns typed
events, so every protocol is testable with byte vectors alone.
"""
