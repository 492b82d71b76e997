"""Classroom mode (issue 16): classes with join codes, a roster per class, a teacher socket that
watches and steers every student, across workers and servers through a broker."""
