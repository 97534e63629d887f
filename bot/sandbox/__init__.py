"""`eventbot sandbox`: the real bot against the local Bot API emulator, in a terminal chat."""
