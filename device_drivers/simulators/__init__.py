"""Device simulators: the device's side of each protocol, served on a pty for the demo, tests and biomeds.

A simulator is a `DeviceModel` (pure, like a codec: bytes and time in, bytes out) plus `PtyServer`, which
serves any model on a new pseudo-terminal.
"""
