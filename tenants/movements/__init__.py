"""Deaths and moves in and out of the town: the register's status and the population for rates."""
