"""Airflow operators of the Clarify provider.

Kept import-free on purpose: importing one operator module must not import the others (and their engines or
AWS hooks), so DAG files that only use the gate stay cheap to parse.
"""
