"""Database layer: models, sessions, repositories (all SQL lives there), migrations, the private cluster."""
