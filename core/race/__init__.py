"""The bar chart race: cumulative labels per worker, in the browser (HTML) or as a video."""
