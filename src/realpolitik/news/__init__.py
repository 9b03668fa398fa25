"""News to evidence: articles read offline into dated events and stance claims with their quotes
(docs/design.md, Evidence: from articles to events and stances)."""
