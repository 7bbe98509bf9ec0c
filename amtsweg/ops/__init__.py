"""Operations: health and metrics endpoints, logging filters, task workers, the scheduler, backup/restore.

The top layer beside ``amtsweg.demo``: it may use every app, and no app imports it (app label "core").
"""
