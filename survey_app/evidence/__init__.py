"""Evidence: unsealed responses -> aggregate counts -> statistics -> renderings."""
