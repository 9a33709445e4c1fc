"""What a request asks of a layer: CQL2 filters, equalities and sort keys, evaluated in memory or translated to SQL per dialect; downloads of the answer."""
