"""Chinese (default) and English strings of the map pages."""

from __future__ import annotations

STRINGS = {
    "zh": {
        "site": "义乌“十四五”规划空间一张图",
        "views": {"overview": "总览", "planner": "规划视图", "investor": "投资视图", "logistics": "物流视图"},
        "groups": {"zones": "规划分区", "parks": "产业平台", "logistics": "物流枢纽", "corridors": "开放通道",
                   "warehouses": "海外仓", "context": "行政区划（底图）"},
        "legend": "图例", "schematic": "示意", "plan": "规划条款", "accuracy": "精度", "source": "来源",
        "schematic_note": "示意图形：位置与轮廓为示意，面积与规划数字一致",
        "switch_lang": "English",
        "values": {"mode": {"rail": "铁路", "sea": "海运", "sea-rail": "海铁联运", "road": "公路"},
                   "status": {"planned": "规划", "existing": "现状", "illustrative": "示意"}},
        "tools": {"search": "搜索名称（中文或英文）", "no_match": "无匹配", "coordinates": "经度, 纬度",
                  "fullscreen": "全屏", "fullscreen_exit": "退出全屏", "download": "下载绘制的图形（GeoJSON）",
                  "length": "长度", "area": "面积", "minimap_show": "显示鹰眼图", "minimap_hide": "隐藏鹰眼图"},
        "accuracies": {"official_boundary": "官方行政界线", "dataset_point": "数据集坐标",
                       "geocoded_city": "城市坐标（地理编码）", "schematic": "示意"},
        "fields": {"name_zh": "名称", "name_en": "英文名", "adcode": "行政区划代码", "area_km2": "面积（km²）",
                   "placement": "位置说明", "year": "年份", "industries_zh": "产业", "industries_en": "产业（英文）",
                   "target_output_2025_yi_yuan": "2025年产值目标（亿元）",
                   "target_semiconductor_2025_yi_yuan": "其中半导体（亿元）", "port_type": "类型",
                   "four_ports": "“四港”", "status": "状态", "relation": "关系", "plan_figures": "规划指标",
                   "mode": "方式", "length_km": "测地线长度（km）", "published_length_km": "公布里程（km）",
                   "length_diff_pct": "差异（%）", "border_crossing": "出境口岸", "waypoints": "途经",
                   "note": "说明", "country": "国家", "region": "区域", "reported_source": "报道来源",
                   "iso3": "ISO3"},
    },
    "en": {
        "site": "Yiwu 14th Five-Year Plan map",
        "views": {"overview": "Overview", "planner": "Planner", "investor": "Investor", "logistics": "Logistics"},
        "groups": {"zones": "Plan zones", "parks": "Industrial parks", "logistics": "Logistics hubs",
                   "corridors": "Corridors", "warehouses": "Overseas warehouses", "context": "Boundaries (base)"},
        "legend": "Legend", "schematic": "schematic", "plan": "Plan clause", "accuracy": "Accuracy",
        "source": "Source",
        "schematic_note": "Schematic shape: position and outline are indicative; the area matches the plan figure",
        "switch_lang": "中文",
        "values": {"mode": {"rail": "rail", "sea": "sea", "sea-rail": "sea-rail", "road": "road"},
                   "status": {"planned": "planned", "existing": "existing", "illustrative": "illustrative"}},
        "tools": {"search": "Search by name (English or Chinese)", "no_match": "No match",
                  "coordinates": "Lon, Lat", "fullscreen": "Full screen", "fullscreen_exit": "Exit full screen",
                  "download": "Download drawn shapes (GeoJSON)", "length": "Length", "area": "Area",
                  "minimap_show": "Show overview map", "minimap_hide": "Hide overview map"},
        "accuracies": {"official_boundary": "official boundary", "dataset_point": "dataset point",
                       "geocoded_city": "city coordinates (geocoded)", "schematic": "schematic"},
        "fields": {"name_zh": "Name (zh)", "name_en": "Name", "adcode": "Admin code", "area_km2": "Area (km²)",
                   "placement": "Placement", "year": "Year", "industries_zh": "Industries (zh)",
                   "industries_en": "Industries", "target_output_2025_yi_yuan": "2025 output target (100 M CNY)",
                   "target_semiconductor_2025_yi_yuan": "of which semiconductors (100 M CNY)",
                   "port_type": "Type", "four_ports": "Four ports", "status": "Status", "relation": "Relation",
                   "plan_figures": "Plan figures", "mode": "Mode", "length_km": "Geodesic length (km)",
                   "published_length_km": "Published length (km)", "length_diff_pct": "Difference (%)",
                   "border_crossing": "Border crossing", "waypoints": "Via", "note": "Note", "country": "Country",
                   "region": "Region", "reported_source": "Reported by", "iso3": "ISO3"},
    },
}


def strings(lang: str) -> dict:
    return STRINGS["en" if lang == "en" else "zh"]
