"""The modelled national road network (the offline default).

- :mod:`.geometry` — land, lakes, settlements and candidate links (the topology);
- :mod:`.build` — link speeds and travel times, the network build;
- :mod:`.calibration` — reference trips, residuals and parameter fitting.
"""
