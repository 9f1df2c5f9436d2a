"""Organisation units (province, departments, communes, wards, schools ...) and their tree."""
