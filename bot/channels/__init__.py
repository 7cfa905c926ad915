"""Front ends: each translates its own updates into `Inbound` and delivers `Outbound`."""
