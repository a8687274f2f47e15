"""Flow-sensitive facts: devices, requires-grad, autograd graph histories, backward events."""
