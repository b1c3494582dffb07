"""Bedside-monitor drivers: transports, framers, pure parsers, reader threads and the simulator."""
