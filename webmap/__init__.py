"""Map building: Layer objects + features → folium maps whose every asset is served by the app."""
