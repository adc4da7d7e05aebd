"""The results domain's rules: `matrix` (the results page and "my results"), `changes`
(rules, hand assignments, overrides), `exports` (CSV) and `lrs` (LRS settings, statements)."""
