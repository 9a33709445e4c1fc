"""The words of an import's quality-check report (成果质检), in Chinese and English.

Every message of a report is a code and its parameters; `MESSAGES` gives its level and the text in each language
(`str.format` templates, the same placeholders in both: `tests/imports/test_importer.py` checks them). A parameter whose
value is one of the `PHRASES` codes (they start with "@") is itself translated, with the same parameters.
"""

from __future__ import annotations

import string

LANGUAGES = ("zh", "en")
LEVELS = ("info", "warning", "error")

# code -> (level, en, zh)
MESSAGES: dict[str, tuple[str, str, str]] = {
    # what was read and how
    "read": ("info", "{count:,} features read from {format} ({dataset}, layer '{layer}')",
             "从 {format} 读取 {count:,} 个要素（{dataset}，图层“{layer}”）"),
    "crs": ("info", "CRS {name} ({code}) from {source}; {identified}",
            "坐标系 {name}（{code}），来自{source}；{identified}"),
    "transformed": ("info", "coordinates transformed from {code} to WGS84 (EPSG:4326)",
                    "坐标已由 {code} 转换为 WGS84（EPSG:4326）"),
    "gcj02_converted": ("info", "GCJ-02 coordinates converted to WGS84 (EPSG:4326)",
                        "GCJ-02 坐标已转换为 WGS84（EPSG:4326）"),
    "encoding": ("info", "attribute text encoding {encoding} ({source})", "属性文字编码 {encoding}（{source}）"),
    "area_total": ("info", "{count:,} polygons, total area {total:.4f} km² ({method})",
                   "{count:,} 个面，总面积 {total:.4f} 平方公里（{method}）"),
    "length_total": ("info", "{count:,} lines, total length {total:.4f} km (geodesic)",
                     "{count:,} 条线，总长度 {total:.4f} 公里（椭球面测地线）"),
    "palette_style": ("info", "field '{field}' holds the codes of the {palette}: the layer is drawn in their "
                              "standard colours ({document})",
                      "字段“{field}”为{palette}代码：图层按其标准配色绘制（{document}）"),
    "imported": ("info", "{count:,} {family} features imported", "已导入 {count:,} 个{family}要素"),
    # warnings: imported, but look
    "crs_overridden": ("warning", "the file declares {declared}; the option {code} replaces it",
                       "文件声明的坐标系为 {declared}，已按选项改用 {code}"),
    "crs_assumed": ("warning", "the CSV has no CRS: its lon/lat columns are read as WGS84 (EPSG:4326); give --crs "
                               "EPSG:4490 for CGCS2000 or --gcj02 for AMap coordinates if they are not",
                    "CSV 无坐标系：经纬度列按 WGS84（EPSG:4326）读取；如为 CGCS2000 请指定 --crs EPSG:4490，"
                    "如为高德等 GCJ-02 坐标请指定 --gcj02"),
    "crs_by_parameters": ("warning", "the CRS '{declared}' is no known EPSG definition; its parameters match {code} "
                                     "{name}", "坐标系“{declared}”不是已知的 EPSG 定义，其参数与 {code} {name} 一致"),
    "crs_unidentified": ("warning", "the CRS '{declared}' matches no EPSG code; it is used as the file defines it",
                         "坐标系“{declared}”无对应 EPSG 代码，按文件中的定义使用"),
    "datum_ballpark": ("warning", "no datum transformation from {name} to WGS84 is known: positions may be off by "
                                  "up to a few hundred metres",
                       "没有从 {name} 到 WGS84 的基准转换参数：位置可能偏差数百米"),
    "datum_accuracy": ("warning", "the datum transformation from {name} to WGS84 is accurate to about {accuracy:g} m "
                                  "(where it applies)", "{name} 到 WGS84 的基准转换精度约为 {accuracy:g} 米（在其适用范围内）"),
    "outside_crs_area": ("warning", "features outside the area of use of {code} ({area}): {count:,}; is the "
                                    "CRS right?", "{count:,} 个要素位于 {code} 的适用范围（{area}）之外：请核对坐标系"),
    "encoding_ignored": ("warning", "{format} text is UTF-8 by definition; the encoding option {encoding} is ignored",
                         "{format} 的文字按规范为 UTF-8，忽略编码选项 {encoding}"),
    "cpg_unknown": ("warning", "the .cpg names an unknown encoding '{declared}'; the encoding was detected instead",
                    ".cpg 文件中的编码“{declared}”无法识别，已改为自动检测"),
    "cpg_mismatch": ("warning", "the .cpg says {declared} but the text is not valid {declared}; detected {encoding}",
                     ".cpg 文件声明编码 {declared}，但文字不符合该编码；检测为 {encoding}"),
    "encoding_fallback": ("warning", "the text is neither UTF-8 nor GBK/GB18030; read as ISO-8859-1 (give the "
                                     "encoding with --encoding)",
                          "文字既非 UTF-8 也非 GBK/GB18030，已按 ISO-8859-1 读取（请用 --encoding 指定编码）"),
    "z_dropped": ("warning", "geometries with Z coordinates dropped to 2D: {count:,}",
                  "{count:,} 个几何带 Z 坐标，已降为二维"),
    "empty_geometries": ("warning", "features without geometry, not imported: {count:,} ({ids})",
                         "{count:,} 个要素无几何，未导入：{ids}"),
    "invalid_repaired": ("warning", "invalid geometries repaired with make_valid: {count:,} ({ids})",
                         "{count:,} 个无效几何已用 make_valid 修复：{ids}"),
    "duplicate_geometries": ("warning", "features repeating another feature's geometry exactly: {count:,} ({groups})",
                             "{count:,} 个要素的几何与其他要素完全相同：{groups}"),
    "outside_extent": ("warning", "features outside {extent}: {count:,} ({ids})",
                       "{count:,} 个要素位于{extent}范围之外：{ids}"),
    "partly_outside_extent": ("warning", "features partly outside {extent}: {count:,} ({ids})",
                              "{count:,} 个要素部分位于{extent}范围之外：{ids}"),
    "column_renamed": ("warning", "column '{name}' renamed '{new}' (the name is reserved)",
                       "字段“{name}”已改名为“{new}”（该名称为保留名）"),
    "column_dropped": ("warning", "column '{name}' dropped: it holds binary values", "字段“{name}”为二进制值，已删除"),
    "symlinks_ignored": ("warning", "symbolic links in the zip ignored: {count:,} ({entries})",
                         "已忽略压缩包中的 {count:,} 个符号链接：{entries}"),
    "xy_swapped": ("warning", "columns {x}/{y} hold northing/easting (surveying order: X north, Y east); read "
                              "'{y}' as easting and '{x}' as northing",
                   "字段 {x}/{y} 为测量坐标顺序（X 为北坐标，Y 为东坐标），已将“{y}”作为东坐标、“{x}”作为北坐标读取"),
    "no_dbf": ("warning", "{name} has no .dbf: the features have no attributes", "{name} 缺少 .dbf，要素无属性"),
    "format_not_extension": ("warning", "the file name says '{suffix}' but the content is {format}",
                             "文件扩展名为“{suffix}”，但内容为 {format}"),
    # refusals
    "unsupported_format": ("error", "unsupported format: {name} is none of GeoPackage, zipped Shapefile, GeoJSON, "
                                    "FlatGeobuf, KML/KMZ, CSV",
                           "不支持的格式：{name} 不是 GeoPackage、Shapefile 压缩包、GeoJSON、FlatGeobuf、KML/KMZ 或 CSV"),
    "unreadable": ("error", "cannot read {name}: {reason}", "无法读取 {name}：{reason}"),
    "too_large": ("error", "{name} is {size:,} bytes; the limit is {limit:,}", "{name} 大小为 {size:,} 字节，上限 {limit:,}"),
    "too_many_features": ("error", "{count:,} features; the limit is {limit:,}", "要素数 {count:,}，上限 {limit:,}"),
    "no_crs": ("error", "no CRS: {where}; give one with --crs {suggest} ({looks})",
               "缺少坐标系：{where}；请用 --crs {suggest} 指定（{looks}）"),
    "bad_crs": ("error", "the CRS '{crs}' is not understood: {reason}", "无法识别坐标系“{crs}”：{reason}"),
    "cannot_transform": ("error", "cannot transform from {name} to WGS84: {reason}", "无法由 {name} 转换为 WGS84：{reason}"),
    "gcj02_needs_lonlat": ("error", "GCJ-02 coordinates are lon/lat degrees, but the data are in {name}",
                           "GCJ-02 坐标应为经纬度，但数据坐标系为 {name}"),
    "no_features": ("error", "no features: {why}", "没有要素：{why}"),
    "mixed_geometry": ("error", "mixed geometry types ({types}): a layer holds only polygons, only lines or only "
                                "points", "几何类型混合（{types}）：一个图层只能全部为面、线或点"),
    "unrepairable": ("error", "invalid geometries that cannot be repaired: {count:,} ({items})",
                     "{count:,} 个无效几何无法修复：{items}"),
    "invalid_no_repair": ("error", "invalid geometries, and repair is off: {count:,} ({items})",
                          "{count:,} 个无效几何，且未开启修复：{items}"),
    "out_of_range": ("error", "coordinates out of range after transforming {code} to WGS84 (bbox {bbox}): is the "
                              "CRS right?", "由 {code} 转换到 WGS84 后坐标超出范围（{bbox}）：请核对坐标系"),
    "duplicate_ids": ("error", "duplicate values in the id field '{field}': {count:,} ({values})",
                      "编号字段“{field}”有 {count:,} 个重复值：{values}"),
    "null_ids": ("error", "features without a value in the id field '{field}': {count:,} (rows {rows})",
                 "{count:,} 个要素的编号字段“{field}”为空（第 {rows} 行）"),
    "no_field": ("error", "no field '{field}'; the fields are {fields}", "没有字段“{field}”；现有字段：{fields}"),
    "ambiguous_layer": ("error", "{count:,} layers: name one with --layer ({layers})",
                        "共有 {count:,} 个图层，请用 --layer 指定其一（{layers}）"),
    "no_layer": ("error", "no layer '{layer}'; the layers are {layers}", "没有图层“{layer}”；现有图层：{layers}"),
    "zip_no_dataset": ("error", "the zip holds no dataset (.shp, .gpkg, .geojson, .fgb, .kml, .csv): {files}",
                       "压缩包中没有数据文件（.shp、.gpkg、.geojson、.fgb、.kml、.csv）：{files}"),
    "zip_many_datasets": ("error", "the zip holds {count:,} datasets; upload one: {files}",
                          "压缩包中有 {count:,} 个数据文件，请只上传一个：{files}"),
    "zip_unsafe_path": ("error", "unsafe path in the zip: '{entry}'", "压缩包中有不安全的路径：“{entry}”"),
    "zip_too_many_entries": ("error", "the zip has {count:,} entries; the limit is {limit:,}",
                             "压缩包有 {count:,} 个条目，上限 {limit:,}"),
    "zip_too_large": ("error", "the zip unpacks to more than {limit:,} bytes", "压缩包解压后超过 {limit:,} 字节"),
    "zip_bomb": ("error", "zip entry '{entry}' is compressed {ratio:,}:1, over the limit {limit:,}:1",
                 "压缩包条目“{entry}”压缩比 {ratio:,}:1，超过上限 {limit:,}:1"),
    "zip_encrypted": ("error", "zip entry '{entry}' is encrypted", "压缩包条目“{entry}”已加密"),
    "shapefile_incomplete": ("error", "{name} lacks its {missing}", "{name} 缺少 {missing} 文件"),
    "csv_no_geometry": ("error", "no coordinate columns: name them with --x-field/--y-field (the columns are "
                                 "{columns})", "未找到坐标字段：请用 --x-field/--y-field 指定（现有字段：{columns}）"),
    "csv_bad_number": ("error", "row {row}, column '{column}': '{value}' is not a number",
                       "第 {row} 行“{column}”列：“{value}”不是数字"),
    "csv_bad_wkt": ("error", "row {row}, column '{column}': not WKT ({reason})", "第 {row} 行“{column}”列：不是 WKT（{reason}）"),
    "undecodable": ("error", "the text is not valid {encoding}", "文字不符合 {encoding} 编码"),
}

# phrase code -> (en, zh): parameter values that are themselves words
PHRASES: dict[str, tuple[str, str]] = {
    "@source_file": ("the file", "文件"),
    "@palette_landuse": ("land and sea use classification (自然资发〔2023〕234号)",
                         "国土空间用地用海分类（自然资发〔2023〕234号）"),
    "@source_format": ("the format (RFC 7946 GeoJSON and KML are WGS84)", "格式规范（GeoJSON 与 KML 为 WGS84）"),
    "@source_option": ("the option", "选项"),
    "@source_assumed": ("an assumption (CSV lon/lat columns)", "默认假定（CSV 经纬度列）"),
    "@identified_code": ("the file names the EPSG code", "文件中含 EPSG 代码"),
    "@identified_pyproj": ("EPSG code identified by pyproj", "EPSG 代码由 pyproj 识别"),
    "@identified_parameters": ("EPSG code matched by the projection parameters", "EPSG 代码由投影参数匹配"),
    "@identified_none": ("no EPSG code", "无 EPSG 代码"),
    "@identified_gcj02": ("converted by the GCJ-02 inverse formula", "按 GCJ-02 反算公式转换"),
    "@enc_cpg": ("from the .cpg file", "来自 .cpg 文件"),
    "@enc_detected": ("detected from the text", "根据文字自动检测"),
    "@enc_option": ("given as an option", "由选项指定"),
    "@enc_format": ("the format's own encoding", "格式规定的编码"),
    "@enc_fallback": ("fallback", "兜底"),
    "@where_prj": ("the Shapefile has no .prj", "Shapefile 缺少 .prj 文件"),
    "@where_none": ("the file declares no CRS", "文件未声明坐标系"),
    "@where_csv": ("a CSV with x/y or WKT columns has no CRS", "含 x/y 或 WKT 字段的 CSV 没有坐标系"),
    "@looks_lonlat": ("the coordinates look like lon/lat degrees: EPSG:4490 is CGCS2000, EPSG:4326 WGS84; GCJ-02 "
                      "from AMap: --gcj02", "坐标像经纬度：CGCS2000 为 EPSG:4490，WGS84 为 EPSG:4326；高德 GCJ-02 坐标用 --gcj02"),
    "@looks_gk_cm": ("the coordinates look like Gauss-Krüger metres without a zone number; near Yiwu that is "
                     "EPSG:4549, CGCS2000 3° zone CM 120°E", "坐标像不带带号的高斯-克吕格米制坐标，义乌一带为 EPSG:4549（CGCS2000 3 度带中央经线 120°E）"),
    "@looks_gk_zone": ("the coordinates look like Gauss-Krüger metres of zone {zone}", "坐标像高斯-克吕格第 {zone} 带的米制坐标"),
    "@looks_unknown": ("near Yiwu, CGCS2000 3° Gauss-Krüger CM 120°E", "义乌一带常用 CGCS2000 3 度带中央经线 120°E"),
    "@no_rows": ("the layer is empty", "图层为空"),
    "@all_empty": ("every geometry is empty", "所有几何均为空"),
    "@family_polygon": ("polygon", "面"),
    "@family_line": ("line", "线"),
    "@family_point": ("point", "点"),
    "@method_planar": ("planar in EPSG:4549", "EPSG:4549 平面"),
    "@method_geodesic": ("geodesic", "椭球面"),
    "@method_mixed": ("planar in EPSG:4549 near Yiwu, geodesic elsewhere", "义乌附近 EPSG:4549 平面，其余椭球面"),
}


METHOD_PHRASES = {"planar EPSG:4549": "@method_planar", "geodesic": "@method_geodesic",
                  "planar EPSG:4549 near Yiwu, geodesic elsewhere": "@method_mixed"}  # a report's measures.method
UNIT_SYMBOLS = {"km2": "km²", "km": "km"}  # a report's measures.unit as printed


def measure_words(method: str, unit: str, lang: str) -> tuple[str, str]:
    """How a report's measuring method and unit read in a language."""
    return _phrase(METHOD_PHRASES.get(method, method), {}, lang), UNIT_SYMBOLS.get(unit, unit)


def placeholders(template: str) -> set[str]:
    """The field names a template uses."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def render(code: str, params: dict, lang: str) -> str:
    """The text of one message in a language (`zh` or `en`); phrase parameters translated first."""
    index = 1 if lang == "en" else 2
    words = {key: _phrase(value, params, lang) for key, value in params.items()}
    return MESSAGES[code][index].format(**words)


def _phrase(value: object, params: dict, lang: str) -> object:
    if isinstance(value, str) and value in PHRASES:
        return PHRASES[value][0 if lang == "en" else 1].format(**params)
    return value
