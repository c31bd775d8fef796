"""What each function does with a delivered message. Entry points in functions/ stay thin."""
