"""Family support (计划生育家庭扶助): reward and special support rolls and their payment ledger, the childcare
subsidy (育儿补贴) intake and review, and assistance combined with development (三结合)."""
