"""Live sessions: one per connection (the session, its pace, what its frames carry), the
process-wide training scheduler, and the sender that writes replies and frames."""
