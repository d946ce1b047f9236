"""``pathways demo``: the programme the founding article describes, generated and driven through the HTTP APIs."""
