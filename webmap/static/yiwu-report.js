/* Transitional: api/templates/site_report.html loads this classic script; it loads the page's module. Delete once
   the template has <script type="module" src="/static/js/report.js">. */
import("./js/report.js");
