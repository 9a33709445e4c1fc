/* Transitional, empty: api/templates/ogc_items.html still links this classic script in its head. The items page's
   code is the module js/items.js (loaded by yiwu-items.js). Delete this file once the template loads
   <script type="module" src="/static/js/items.js"> instead of yiwu-map.js and yiwu-items.js. */
