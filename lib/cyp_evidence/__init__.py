"""cyp-evidence: sourced figures on children and young people's mental health, SEND and
inpatient care in England, with explorations and versioned board briefings.

Layers (a lower layer never imports a higher one):
evidence -> measures -> charts -> explore / briefing -> cli
"""

__version__ = "0.1.0"
