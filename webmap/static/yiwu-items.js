/* Transitional: api/templates/ogc_items.html loads this classic script; it loads the page's module. Delete once the
   template has <script type="module" src="/static/js/items.js">. */
import("./js/items.js");
