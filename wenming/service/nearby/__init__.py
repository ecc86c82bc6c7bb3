"""The map of nearby activities and stations (附近的活动和阵地): a public page, offline (an SVG
drawn on the server from coordinates: no map tiles, nothing fetched from outside).

    selectors.py  the centre (the visitor's position, their home node, or the county) and the
                  public places around it, nearest first
    drawing.py    places → points of the SVG (longitude/latitude scaled around the centre)
    views.py      /map/ and a practice place's public page /map/places/<id>/
"""
