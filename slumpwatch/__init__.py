"""slumpwatch: a webcam posture monitor that notices slumped sitting early.

Importing the package loads nothing heavy: MediaPipe and OpenCV are imported only by the modules
that need them, when they are used.
"""

__version__ = "0.1.0"
