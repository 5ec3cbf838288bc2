# French typography groups thousands with a narrow no-break space (12 345,50 €); Django's own French
# locale data uses a plain no-break space. Every other French format comes from Django.
THOUSAND_SEPARATOR = "\u202f"
