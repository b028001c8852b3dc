"""The published double-random draw (双随机), pure: no framework, database or app import."""
