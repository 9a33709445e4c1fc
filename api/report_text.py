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
        "progress": "进度（监测预警）", "latest": "最新报道值", "basis": "口径", "aim": "力争",
        "no_report": "未找到报道值", "lights": {"met": "已达成", "on track": "按进度", "behind": "滞后", "no data": "无数据"},
        "progress_note": "进度只依据已找到公开来源的报道值计算；没有报道值的指标显示“无数据”，不作估算。",
        "not_comparable": "口径不同，仅供参考",
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
        "progress": "Progress (monitoring)", "latest": "Latest reported value", "basis": "Basis", "aim": "strive for (力争)",
        "no_report": "no reported value found", "lights": {"met": "met", "on track": "on track", "behind": "behind", "no data": "no data"},
        "progress_note": "Progress is computed only from values reported in a public source; where none was found the "
                         "indicator says 'no data' — nothing is estimated.",
        "not_comparable": "different measure, for reference only",
    },
}


def text(lang: str) -> dict:
    return TEXT["en" if lang == "en" else "zh"]
