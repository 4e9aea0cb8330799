"""Payloads of the events a case accepts (updates and signals), one module per stage."""
