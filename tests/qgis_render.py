"""Run by Debian's /usr/bin/python3 (PyQGIS 3.22, headless): load a collection from an OGC API Features server with
QGIS's OAPIF provider, apply an SLD file, render the extent to a PNG on white and print, as JSON, the renderer QGIS
made of the SLD, the feature count and the RGB of the pixel at each named lon/lat.

usage: qgis_render.py SERVER COLLECTION SLD PNG WEST SOUTH EAST NORTH NAME:LON:LAT ..."""

import json
import sys

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

SIZE = (800, 400)


def stage(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: list[str]) -> dict:
    server, collection, sld, png = argv[:4]
    west, south, east, north = (float(v) for v in argv[4:8])
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    stage("QGIS started")
    layer = QgsVectorLayer(f"url='{server}' typename='{collection}'", collection, "OAPIF")
    stage(f"layer valid: {layer.isValid()}")
    if not layer.isValid():
        return {"valid": False}
    loaded = layer.loadSldStyle(sld)
    stage(f"SLD loaded: {loaded}")
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    settings.setOutputSize(QSize(*SIZE))
    settings.setExtent(QgsRectangle(west, south, east, north))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    stage("rendered")
    image.save(png)
    pixels = {}
    for spec in argv[8:]:
        name, lon, lat = spec.split(":")
        point = settings.mapToPixel().transform(float(lon), float(lat))
        color = QColor(image.pixel(int(point.x()), int(point.y())))
        pixels[name] = [color.red(), color.green(), color.blue()]
    renderer = layer.renderer()
    out = {"valid": True, "sld": [str(v) for v in loaded] if isinstance(loaded, tuple) else str(loaded),
           "renderer": renderer.type(), "count": layer.featureCount(), "pixels": pixels}
    del layer, job, settings
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
