"""The texts themselves: one module per catalog (``flows.texts`` looks them up)."""
