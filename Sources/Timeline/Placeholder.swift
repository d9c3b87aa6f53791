// Clock alignment, asset inventory, causal chains and exporters arrive with issue #5 (timeline correlator).
