"""realpolitik: model power politics between states.

Cited scenarios, bargaining forecasts (compromise, median, Nash, expected utility), issue linkage
(exchange model) and alignments (landscape theory, structural balance), scored against real
outcomes.
"""

__version__ = "0.1.0"
