"""The synthetic campaign generator: county registries with planted truth, and field rows.

Outside the pure core (``registry``, ``sampling``, ``assessment``) but pure itself: it reads no
file and no environment, and takes all randomness from the ``numpy.random.Generator`` it is
given. :mod:`synth.county` builds a county (one step per thing it plants), :mod:`synth.field`
plays the field app, :mod:`synth.plan` says what to plant. Which household checks exist and
how each is planted comes from the check catalogue (:mod:`registry.checks`).
"""
