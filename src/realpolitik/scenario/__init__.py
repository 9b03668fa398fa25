"""Scenario data: schema, loaders, importers, validation. Knows nothing about models."""

from realpolitik.scenario.loader import load_any, load_scenario
from realpolitik.scenario.schema import Actor, Issue, Relation, Scenario, Stance, Value

__all__ = ["Actor", "Issue", "Relation", "Scenario", "Stance", "Value", "load_any", "load_scenario"]
