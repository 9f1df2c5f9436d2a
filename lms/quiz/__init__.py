"""The quiz engine: question versions, attempts, grading and the integrity rules."""
