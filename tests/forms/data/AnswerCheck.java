// Fill an XForm with JavaRosa (the form engine of ODK Collect, shipped inside pyxform's ODK_Validate.jar)
// and print how the engine takes each answer, so the tests check constraints and routing in the real engine.
//
// usage: java -cp ODK_Validate.jar:. AnswerCheck FORM.xml name=value ...
// Answers are given in form order (the same name again answers the same question again); a select_multiple
// value is its codes separated by spaces. For each name=value it prints one line: "name OK", "name CONSTRAINT"
// (the engine rejects the answer) or "name SKIPPED" (the question is not reached from where filling stands:
// not relevant). A rejected answer is not stored and filling goes on from the same question.
import java.io.FileInputStream;
import java.util.ArrayList;
import java.util.List;

import org.javarosa.core.model.FormDef;
import org.javarosa.core.model.FormIndex;
import org.javarosa.core.model.SelectChoice;
import org.javarosa.core.model.data.IAnswerData;
import org.javarosa.core.model.data.IntegerData;
import org.javarosa.core.model.data.SelectMultiData;
import org.javarosa.core.model.data.SelectOneData;
import org.javarosa.core.model.data.StringData;
import org.javarosa.core.model.data.helper.Selection;
import org.javarosa.core.model.instance.InstanceInitializationFactory;
import org.javarosa.form.api.FormEntryController;
import org.javarosa.form.api.FormEntryModel;
import org.javarosa.form.api.FormEntryPrompt;
import org.javarosa.xform.util.XFormUtils;

public class AnswerCheck {
    static Selection choice(FormEntryPrompt prompt, String value) {
        for (SelectChoice c : prompt.getSelectChoices()) {
            if (c.getValue().equals(value)) return c.selection();
        }
        throw new IllegalArgumentException(prompt.getIndex().getReference() + " has no choice " + value);
    }

    static IAnswerData answer(FormEntryPrompt prompt, String value) {
        switch (prompt.getDataType()) {
            case org.javarosa.core.model.Constants.DATATYPE_CHOICE_LIST: {
                List<Selection> picked = new ArrayList<>();
                for (String code : value.trim().split("\\s+")) picked.add(choice(prompt, code));
                return new SelectMultiData(picked);
            }
            case org.javarosa.core.model.Constants.DATATYPE_CHOICE:
                return new SelectOneData(choice(prompt, value));
            case org.javarosa.core.model.Constants.DATATYPE_INTEGER:
                return new IntegerData(Integer.parseInt(value));
            default:
                return new StringData(value);
        }
    }

    public static void main(String[] args) throws Exception {
        FormDef form = XFormUtils.getFormFromInputStream(new FileInputStream(args[0]));
        FormEntryModel model = new FormEntryModel(form);
        FormEntryController entry = new FormEntryController(model);
        form.initialize(true, new InstanceInitializationFactory());
        for (int k = 1; k < args.length; k++) {
            String[] pair = args[k].split("=", 2);
            FormIndex start = model.getFormIndex();  // look for the question from here on
            int event = model.getEvent();
            while (event != FormEntryController.EVENT_END_OF_FORM
                    && !(event == FormEntryController.EVENT_QUESTION
                         && model.getFormIndex().getReference().getNameLast().equals(pair[0]))) {
                event = entry.stepToNextEvent();
            }
            if (event == FormEntryController.EVENT_END_OF_FORM) {
                System.out.println(pair[0] + " SKIPPED");
                entry.jumpToIndex(start);
                continue;
            }
            FormEntryPrompt prompt = model.getQuestionPrompt();
            int status = entry.answerQuestion(prompt.getIndex(), answer(prompt, pair[1]), true);
            System.out.println(pair[0] + (status == FormEntryController.ANSWER_OK ? " OK"
                    : status == FormEntryController.ANSWER_CONSTRAINT_VIOLATED ? " CONSTRAINT" : " STATUS" + status));
        }
    }
}
