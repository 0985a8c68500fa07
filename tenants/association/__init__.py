"""The association (计生协会): member homes, member groups, members and liaison households."""
