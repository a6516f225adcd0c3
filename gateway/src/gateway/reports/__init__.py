"""National reports and the learner directory (issue 14), composed over the progress and certificates services."""
