"""Bilingual labels of the analysis pages (site report, indicators)."""

from __future__ import annotations

TEXT = {
    "zh": {
        "site_title": "选址合规检查报告", "indicators_title": "规划指标", "summary": "概况",
        "area": "面积（km²）", "inside": "位于义乌市域内", "yes": "是", "no": "否", "clauses": "适用规划条款",
        "zones": "涉及的规划分区与产业平台", "layer": "图层", "name": "名称", "overlap_km2": "重叠面积（km²）",
        "overlap_pct": "占选址比例（%）", "accuracy": "精度", "hubs": "到物流枢纽的距离（测地线）",
        "distance": "距离（km）", "type": "类型", "status": "状态", "corridor": "最近的通道", "none": "无",
        "note": "说明", "schematic": "示意图形：重叠面积以示意轮廓计算", "print": "打印",
        "theme": "主题", "value": "目标值", "unit": "单位", "year": "目标年份", "clause": "条款", "quote": "原文",
        "map": "地图", "chart": "按单位分组的目标值", "all_maps": "查看地图",
    },
    "en": {
        "site_title": "Site compliance report", "indicators_title": "Plan indicators", "summary": "Summary",
        "area": "Area (km²)", "inside": "Inside Yiwu", "yes": "yes", "no": "no", "clauses": "Plan clauses that apply",
        "zones": "Plan zones and industrial parks touched", "layer": "Layer", "name": "Name",
        "overlap_km2": "Overlap (km²)", "overlap_pct": "Share of the site (%)", "accuracy": "Accuracy",
        "hubs": "Distance to logistics hubs (geodesic)", "distance": "Distance (km)", "type": "Type",
        "status": "Status", "corridor": "Nearest corridor", "none": "none", "note": "Note",
        "schematic": "Schematic shape: overlap computed with an indicative outline", "print": "Print",
        "theme": "Theme", "value": "Target", "unit": "Unit", "year": "Target year", "clause": "Clause",
        "quote": "Plan text", "map": "Map", "chart": "Targets grouped by unit", "all_maps": "Open the map",
    },
}


def text(lang: str) -> dict:
    return TEXT["en" if lang == "en" else "zh"]
