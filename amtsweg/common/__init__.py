"""Shared helpers at the bottom layer; imports no app."""
