"""(placeholder: see issues)"""
