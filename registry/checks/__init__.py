"""The household checks of the exit standard, one module per check.

:mod:`registry.checks.base` says what a check is; :mod:`registry.checks.catalogue` lists them.
The checks live in the registry, the lowest layer, because the field-check table of the data
contract is made of their columns: the contract, validation and the schemas (registry), the
scoring (assessment) and the synthetic generator (synth) all derive from the one list.
"""
