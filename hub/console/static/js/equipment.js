// 一码追溯: a special-equipment unit's life (registration, inspections, hazards) by its code.
import { t } from "./common.js";
import { dossierPage } from "./entries.js";

dossierPage("equipment", "/v1/equipment", t("hint", ["特种设备代码", "special-equipment code"]));
