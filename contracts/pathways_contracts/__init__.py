"""Pathways integration events: the public contract between services and with integrators."""
